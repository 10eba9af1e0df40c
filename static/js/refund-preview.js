// The curator's refund form (templates/refunds/order.html): the amount updates as the form
// changes, so the confirm button always names what it will refund. Without this script the
// "Preview amount" button does the same through the server.
(function () {
  "use strict";
  var form = document.getElementById("refund-form");
  if (!form || !window.fetch || !window.FormData) return;
  var output = document.getElementById("refund-amount");
  var confirm = document.getElementById("refund-confirm");
  var expected = form.querySelector("input[name=expected_minor]");
  var timer = null;
  var asked = 0;

  function update() {
    var ticket = ++asked;
    var data = new FormData(form);
    data.delete("preview");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (ticket !== asked) return; // an older answer arriving late
        if (answer.ok) {
          output.textContent = answer.text;
          expected.value = String(answer.amount_minor);
          confirm.textContent = answer.confirm;
          confirm.hidden = false;
        } else {
          output.textContent = answer.message || "";
          expected.value = "";
          confirm.hidden = true;
        }
      })
      .catch(function () { /* the Preview amount button still works */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  if (output.textContent.trim()) update();
})();
