from django.urls import path

from recipients import views

app_name = "recipients"

urlpatterns = [
    path("recipients/<int:pk>/photo/", views.recipient_photo, name="photo"),
    path("help-provided/photos/<int:pk>/", views.public_handover_photo, name="handover_photo"),
]
