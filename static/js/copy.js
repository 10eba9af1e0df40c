// Copy buttons for the bank-transfer details (templates/payments/_bank_transfer.html).
// Progressive enhancement: without this script the values are plain, selectable text.
(function () {
  "use strict";
  var lists = document.querySelectorAll("[data-copy-list]");
  if (!lists.length) return;

  function announce(list, text) {
    var status = list.parentNode.querySelector(".copy-status");
    if (status) status.textContent = text;
  }

  function fallbackCopy(value) {
    var area = document.createElement("textarea");
    area.value = value;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  Array.prototype.forEach.call(lists, function (list) {
    var copyText = list.getAttribute("data-copy-text") || "Copy";
    var copiedText = list.getAttribute("data-copied-text") || "Copied";
    Array.prototype.forEach.call(list.querySelectorAll("[data-copy]"), function (item) {
      var value = item.getAttribute("data-copy");
      var label = document.getElementById(item.getAttribute("data-copy-label") || "");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = copyText;
      button.setAttribute("aria-label", copyText + ": " + (label ? label.textContent : value));
      button.addEventListener("click", function () {
        var done = function () {
          button.textContent = copiedText;
          announce(list, copiedText + ": " + value);
          window.setTimeout(function () { button.textContent = copyText; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(value).then(done, function () { if (fallbackCopy(value)) done(); });
        } else if (fallbackCopy(value)) {
          done();
        }
      });
      item.parentNode.insertBefore(button, item.nextSibling);
      item.parentNode.insertBefore(document.createTextNode(" "), button);
    });
  });
})();
