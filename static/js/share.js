// The phone's own share sheet (Web Share API) beside the plain share links of a product page
// (templates/storefront/_contact_share.html). Without it, or without this script, the links do.
(function () {
  "use strict";
  if (typeof navigator.share !== "function") return;
  Array.prototype.forEach.call(document.querySelectorAll("[data-web-share]"), function (item) {
    var button = item.querySelector("button");
    if (!button) return;
    item.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({ title: item.getAttribute("data-title"), url: item.getAttribute("data-url") })
        .catch(function () { /* the visitor closed the sheet */ });
    });
  });
})();
