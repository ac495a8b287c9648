// The pledge form's amount follows the start month and duration as the donor changes them.
// The amounts come from the server (#pledge-amounts); without this script the "Show the
// amount" button asks the server for the same figure.
(function () {
  "use strict";
  var data = document.getElementById("pledge-amounts");
  var month = document.getElementById("id_first_month");
  var years = document.getElementById("id_years");
  var amount = document.querySelector("[data-pledge-amount]");
  if (!data || !month || !years || !amount) {
    return;
  }
  var amounts = JSON.parse(data.textContent);
  var months = document.querySelector("[data-pledge-months]");
  var monthName = document.querySelector("[data-pledge-month]");
  var button = document.querySelector("[data-pledge-show-amount]");
  function update() {
    var text = (amounts[month.value] || {})[years.value];
    if (!text) {
      return; // no rate yet for these months: the server's answer (the button) says so
    }
    amount.textContent = text;
    months.textContent = String(12 * parseInt(years.value, 10));
    monthName.textContent = month.options[month.selectedIndex].text;
  }
  month.addEventListener("change", update);
  years.addEventListener("change", update);
  if (button) {
    button.hidden = true;
  }
})();
