// The product page's variant picker (templates/storefront/_variant_picker.html): the price, the
// stock line and the photo follow the chosen variant. Progressive enhancement: without this
// script each radio button already lists its own price and stock.
(function () {
  "use strict";
  var picker = document.querySelector("[data-variant-picker]");
  if (!picker) return;
  var buy = picker.closest(".buy") || document;
  var price = buy.querySelector(".price");
  var stock = buy.querySelector(":scope > .stock-in, :scope > .stock-out");
  var gallery = document.querySelector(".gallery");

  function showPhoto(input) {
    var src = input.getAttribute("data-image-src");
    if (!src || !gallery) return;
    var images = gallery.querySelectorAll("img");
    for (var i = 0; i < images.length; i++) {
      if (images[i].getAttribute("src") === src) {
        var item = images[i].closest("li") || images[i];
        item.scrollIntoView({ block: "nearest", inline: "start", behavior: "smooth" });
        return;
      }
    }
    var main = gallery.querySelector(".main-img");
    if (main) {
      main.setAttribute("src", src);
      main.setAttribute("srcset", input.getAttribute("data-image-srcset") || "");
    }
  }

  function follow(input) {
    if (price) price.textContent = input.getAttribute("data-price");
    if (stock) {
      stock.textContent = input.getAttribute("data-availability");
      var inStock = input.getAttribute("data-in-stock") === "true";
      stock.className = inStock ? "stock-in" : "stock-out";
    }
    showPhoto(input);
  }

  picker.addEventListener("change", function (event) {
    if (event.target && event.target.name === "variant_id") follow(event.target);
  });
  var checked = picker.querySelector("input[name=variant_id]:checked");
  if (checked) follow(checked);
})();
