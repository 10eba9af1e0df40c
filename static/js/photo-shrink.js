// Buyers' photo fields (the transfer receipt, a problem report, a review: form[data-shrink-photos]).
// A phone camera's photo is several MB: on a slow connection (400 kbit/s) that is a minute with
// nothing moving on the screen. On submit each chosen JPEG, PNG or WebP above 400 KB is drawn
// smaller in the browser (longest side 1600 px, at least 320 px wide, JPEG at 85 %; the browser
// turns it upright from its EXIF orientation) and the form is sent with those files, the button
// saying data-text-sending ("Sending…") meanwhile. The server checks and re-encodes every file as
// before. Without this script, or in a browser without DataTransfer or canvas.toBlob, the form
// posts the original files.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var MIN_WIDTH = 320; // the server refuses narrower pictures
  var QUALITY = 0.85;
  var SMALL_ENOUGH = 400 * 1024;
  if (!window.DataTransfer || !window.Promise || !window.FileReader || !HTMLCanvasElement.prototype.toBlob) return;

  // The picture, upright from its EXIF orientation: createImageBitmap, or an <img> from a data: URL
  // (the page's CSP allows data:, not blob:).
  function decode(file) {
    function asImage() {
      return new Promise(function (resolve, reject) {
        var reader = new FileReader();
        reader.onerror = reject;
        reader.onload = function () {
          var image = new Image();
          image.onload = function () {
            resolve(image);
          };
          image.onerror = reject;
          image.src = reader.result;
        };
        reader.readAsDataURL(file);
      });
    }
    if (!window.createImageBitmap) return asImage();
    return createImageBitmap(file, { imageOrientation: "from-image" }).catch(asImage);
  }

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SMALL_ENOUGH) return Promise.resolve(file);
    return decode(file).then(
      function (picture) {
        var width = picture.naturalWidth || picture.width;
        var height = picture.naturalHeight || picture.height;
        var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
        if (width * scale < MIN_WIDTH) scale = Math.min(1, MIN_WIDTH / width);
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff"; // a transparent PNG screenshot on white, not black
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(picture, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) {
          canvas.toBlob(
            function (blob) {
              if (!blob || blob.size >= file.size) return resolve(file);
              resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
            },
            "image/jpeg",
            QUALITY
          );
        });
      },
      function () {
        return file; // not a picture the browser reads: the server says what is wrong with it
      }
    );
  }

  function replaceFiles(input) {
    return Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
      var transfer = new DataTransfer();
      files.forEach(function (file) {
        transfer.items.add(file);
      });
      input.files = transfer.files;
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-shrink-photos]"), function (form) {
    var ready = false;
    form.addEventListener("submit", function (event) {
      if (ready) return;
      var inputs = Array.prototype.filter.call(form.querySelectorAll("input[type=file]"), function (input) {
        return input.files && input.files.length;
      });
      if (!inputs.length) return;
      event.preventDefault();
      var button = event.submitter || form.querySelector("button[type=submit]");
      var label = button ? button.textContent : "";
      if (button) {
        button.disabled = true;
        if (form.dataset.textSending) button.textContent = form.dataset.textSending;
      }
      Promise.all(inputs.map(replaceFiles))
        .catch(function () {}) // whatever could not be made smaller goes as it was
        .then(function () {
          // In a task of its own: a submit requested while this submit event is still being
          // dispatched (files small enough settle in microtasks) is ignored by the browser.
          setTimeout(function () {
            ready = true;
            if (button) button.disabled = false;
            if (form.requestSubmit) form.requestSubmit(button || undefined);
            else form.submit();
            if (button) {
              button.disabled = true; // one upload at a time; the next page replaces this one
              button.textContent = form.dataset.textSending || label;
            }
          }, 0);
        });
    });
  });
})();
