// Hearts (templates/macros/favourites.html): save or forget a product without leaving the page.
// Progressive enhancement: without this script the heart is a plain form that returns to this page.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) return;

  function update(form, saved) {
    var productId = form.querySelector("[name=product_id]").value;
    var forms = document.querySelectorAll("form[data-heart]");
    Array.prototype.forEach.call(forms, function (other) {
      if (other.querySelector("[name=product_id]").value !== productId) return;
      var button = other.querySelector("button");
      var label = other.querySelector(".heart-label");
      var wasSaved = other.querySelector("[name=action]").value === "remove";
      if (wasSaved === saved) return;
      var next = button.getAttribute("data-other-label");
      button.setAttribute("data-other-label", label.textContent);
      label.textContent = next;
      other.querySelector("[name=action]").value = saved ? "remove" : "add";
      other.querySelector(".heart-icon").textContent = saved ? "\u2665" : "\u2661";
      button.classList.toggle("saved", saved);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-heart]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.getAttribute("action"), { // not form.action: the field named "action" shadows it
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error("status " + response.status);
      return response.json();
    }).then(function (data) {
      button.disabled = false;
      update(form, !!data.saved);
    }).catch(function () {
      button.disabled = false;
      form.submit(); // the plain form shows the message
    });
  });
})();
