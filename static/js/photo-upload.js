// The product form's photo uploader (templates/seller/product_form.html, form[data-photo-upload]).
// Each chosen photo is made smaller in the browser (longest side 1600 px, WebP or JPEG at 85 %,
// turned upright from its EXIF orientation), then sent on its own with a progress bar; one that
// fails for the connection's sake can be sent again. The server checks and re-encodes every file
// as before. Without this script the form posts the original files, several at once.
(function () {
  "use strict";
  var form = document.querySelector("form[data-photo-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.Promise) return;
  var MAX_SIDE = 1600;
  var MIN_WIDTH = 320; // the server refuses narrower photos: a tall one is kept at least this wide
  var QUALITY = 0.85;
  var input = form.querySelector("input[type=file]");
  var token = form.querySelector("input[name=csrf_token]").value;
  var list = document.getElementById("uploads");
  var announcer = document.getElementById("upload-announcer");
  var words = form.dataset;
  var lang = document.documentElement.lang || undefined;
  var toResize = [];
  var toSend = [];
  var resizing = false;
  var sending = false; // a photo's bytes are on the link
  var waiting = 0; // requests not answered yet
  var storedSinceRefresh = 0;
  var counter = 0;

  var hint = form.querySelector("[data-photo-upload-hint]");
  if (hint) hint.hidden = false;

  function say(message) {
    announcer.textContent = message;
  }

  function sizeText(bytes) {
    var number = bytes >= 1e6 ? bytes / 1e6 : Math.max(1, bytes / 1e3);
    var digits = bytes >= 1e6 ? 1 : 0;
    return number.toLocaleString(lang, { maximumFractionDigits: digits }) + (bytes >= 1e6 ? " MB" : " KB");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function setState(item, state, status) {
    item.row.setAttribute("data-state", state);
    item.status.textContent = status;
    if (state === "resizing" || state === "checking") item.progress.removeAttribute("value");
    // Screen readers hear each photo start, arrive or fail (not every step of the bar).
    if (state === "sending" || state === "stored" || state === "failed") say(item.file.name + ": " + status);
  }

  function addRow(file) {
    counter += 1;
    var id = "upload-" + counter;
    var row = el("li", "upload");
    var label = el("label", "", file.name);
    label.setAttribute("for", id);
    var size = el("span", "upload-size", sizeText(file.size));
    var progress = el("progress");
    progress.id = id;
    progress.max = 100;
    progress.value = 0;
    var status = el("p", "upload-status");
    var retry = el("button", "small", words.textRetry);
    retry.type = "button";
    retry.hidden = true;
    var hidden = el("span", "visually-hidden", " – " + file.name);
    retry.appendChild(hidden);
    row.appendChild(label);
    row.appendChild(size);
    row.appendChild(progress);
    row.appendChild(status);
    row.appendChild(retry);
    list.appendChild(row);
    list.hidden = false;
    var item = { file: file, row: row, size: size, progress: progress, status: status, retry: retry, blob: null };
    retry.addEventListener("click", function () {
      retry.hidden = true;
      progress.value = 0;
      setState(item, "waiting", words.textWaiting);
      toSend.push(item);
      send();
    });
    setState(item, "waiting", words.textWaiting);
    return item;
  }

  function decode(file) {
    if (!window.createImageBitmap) return decodeAsImage(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
      return decodeAsImage(file);
    });
  }

  // Browsers without createImageBitmap (or its options): an <img> from a data: URL (the page's CSP
  // allows data:, not blob:); <img> turns photos upright by their EXIF orientation too.
  function decodeAsImage(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        var image = new Image();
        image.onload = function () { resolve(image); };
        image.onerror = reject;
        image.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function toBlob(canvas, type) {
    return new Promise(function (resolve) {
      if (!canvas.toBlob) return resolve(null);
      canvas.toBlob(resolve, type, QUALITY);
    });
  }

  // The smaller photo, or the original when it cannot be decoded here (the server says why) or
  // when making it smaller saves nothing.
  function shrink(file) {
    var fallback = file.type === "image/png" ? "image/png" : "image/jpeg"; // keeps transparency
    return decode(file).then(function (image) {
      var width = image.width;
      var height = image.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      if (width * scale < MIN_WIDTH) scale = Math.min(1, MIN_WIDTH / width);
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext("2d");
      context.imageSmoothingQuality = "high";
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) image.close();
      return toBlob(canvas, "image/webp").then(function (blob) {
        return blob && blob.type === "image/webp" ? blob : toBlob(canvas, fallback);
      });
    }).then(function (blob) {
      return blob && blob.size < file.size ? blob : file;
    }, function () {
      return file;
    });
  }

  function resizeNext() {
    if (resizing || !toResize.length) return;
    resizing = true;
    var item = toResize.shift();
    setState(item, "resizing", words.textResizing);
    shrink(item.file).then(function (blob) {
      item.blob = blob;
      item.row.setAttribute("data-bytes", blob.size); // read by the browser test and bench/phone_upload.py
      if (blob !== item.file) item.size.textContent = sizeText(item.file.size) + " → " + sizeText(blob.size);
      item.progress.value = 0;
      setState(item, "waiting", words.textWaiting);
      toSend.push(item);
      resizing = false;
      send();
      resizeNext();
    });
  }

  function answer(xhr) {
    try {
      return JSON.parse(xhr.responseText);
    } catch (error) {
      return null; // e.g. the login page after the session ended
    }
  }

  function stored(item, photo) {
    setState(item, "stored", words.textStored);
    item.progress.value = 100;
    if (photo && photo.src) {
      var image = el("img", "upload-thumb");
      image.src = photo.src;
      image.alt = photo.alt || "";
      image.width = 64;
      image.height = Math.max(1, Math.round((64 * photo.height) / photo.width));
      item.row.insertBefore(image, item.row.firstChild);
    }
    storedSinceRefresh += 1;
  }

  function failed(item, message, retryable) {
    item.progress.value = 0;
    setState(item, "failed", message);
    item.retry.hidden = !retryable;
  }

  // One photo's bytes on the link at a time (they would only share it); the next one starts as
  // soon as the last byte of the previous has gone, while the server still checks that one.
  function send() {
    if (sending || !toSend.length) return finishIfIdle();
    sending = true;
    waiting += 1;
    var item = toSend.shift();
    var linkFree = false;
    function freeLink() {
      if (linkFree) return;
      linkFree = true;
      sending = false;
      send();
    }
    function answered() {
      waiting -= 1;
      freeLink();
      finishIfIdle();
    }
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("photo", item.blob, item.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) item.progress.value = Math.round((event.loaded / event.total) * 100);
    };
    xhr.upload.onload = function () {
      setState(item, "checking", words.textChecking);
      freeLink();
    };
    xhr.onload = function () {
      var body = answer(xhr);
      if (xhr.status === 201 && body && body.photos) {
        stored(item, body.photos[0]);
      } else if (body && body.error) {
        var again = xhr.status >= 500 || xhr.status === 408 || xhr.status === 429;
        failed(item, body.error.message, again);
      } else {
        failed(item, xhr.status >= 500 ? words.textNetwork : words.textExpired, xhr.status >= 500);
      }
      answered();
    };
    xhr.onerror = xhr.ontimeout = function () {
      failed(item, words.textNetwork, true);
      answered();
    };
    setState(item, "sending", words.textSending);
    xhr.send(data);
  }

  function busy() {
    return resizing || sending || waiting > 0 || toResize.length > 0 || toSend.length > 0;
  }

  // Once nothing is left to send, the photo list is read again from the server (order, cover,
  // the buttons to move and delete) and the form hides when the product has all its photos.
  function finishIfIdle() {
    if (busy() || !storedSinceRefresh) return;
    storedSinceRefresh = 0;
    if (!list.querySelector("[data-state=failed]")) say(words.textDone);
    var xhr = new XMLHttpRequest();
    xhr.open("GET", window.location.pathname + window.location.search);
    xhr.responseType = "document";
    xhr.onload = function () {
      var page = xhr.response;
      var fresh = xhr.status === 200 && page && page.getElementById("photo-list");
      if (!fresh) return;
      var current = document.getElementById("photo-list");
      current.parentNode.replaceChild(document.importNode(fresh, true), current);
      if (!page.querySelector("form[data-photo-upload]")) form.hidden = true;
      list.setAttribute("data-refreshed", "true");
    };
    xhr.send();
  }

  form.addEventListener("submit", function (event) {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) return; // the plain form answers "The file is empty"
    event.preventDefault();
    list.removeAttribute("data-refreshed");
    files.forEach(function (file) {
      toResize.push(addRow(file));
    });
    input.value = "";
    resizeNext();
  });

  window.addEventListener("beforeunload", function (event) {
    if (!busy()) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
