from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("donor/<str:token>/", views.private_page, name="private"),
]
