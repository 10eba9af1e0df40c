// The one-page checkout (templates/checkout/form.html): the shipping and the total follow the
// address as it is typed, in place (GET /checkout/quote answers the same texts the page shows).
// "Place order" waits while a new total is on its way, so the order is placed at the total on
// screen; the server checks it again. Without this script "Calculate shipping" asks the server.
// Every quote is asked in the currency the page shows (its `currency` field): a market changed in
// another tab must not put a second currency on this page; the server says so in the answer.
(function () {
  "use strict";
  var form = document.querySelector("form.checkout[data-quote-url]");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var url = form.getAttribute("data-quote-url");
  var place = form.querySelector("button[name=action][value=place]");
  var busy = form.querySelector("[data-quote=busy]");
  var quote = form.querySelector("input[name=quote]");
  var quotedFor = form.querySelector("input[name=quoted_for]");
  // What prices the parcel; typing a name or a street changes nothing.
  var DESTINATION = { country: true, province: true, city: true, postal_code: true, shipping_method: true };
  var SLOTS = ["region", "pickup", "payment", "duties"];
  var KEPT_ACROSS_COUNTRIES = ["line2", "city"]; // a postal code means nothing in another country
  var timer = null;
  var asked = 0;

  Array.prototype.forEach.call(form.querySelectorAll("[data-calculate]"), function (element) {
    element.hidden = true;
  });

  function control(name) {
    return form.querySelector("input[name=" + name + "]:not([type=radio]), select[name=" + name + "]");
  }

  function value(name) {
    var element = control(name);
    return element ? element.value : "";
  }

  function checked(name) {
    var radio = form.querySelector("input[name=" + name + "]:checked");
    return radio ? radio.value : "";
  }

  function setRow(name, text) {
    var row = form.querySelector("[data-quote-row=" + name + "]");
    if (!row) return;
    (row.querySelector("strong, small") || row).textContent = text;
    row.hidden = !text;
  }

  function show(answer) {
    Object.keys(answer.parcels).forEach(function (seller) {
      var parcel = form.querySelector('[data-parcel="' + seller + '"]');
      if (parcel) parcel.textContent = answer.parcels[seller];
    });
    form.querySelector("[data-quote=courier]").textContent = answer.courier;
    var status = form.querySelector("[data-quote=status]");
    status.textContent = answer.status;
    status.hidden = !answer.status;
    ["line", "shipping", "total", "total_idr"].forEach(function (name) {
      setRow(name, answer[name]);
    });
    quote.value = answer.quote;
    quotedFor.value = answer.quoted_for;
    var notice = form.querySelector("[data-currency-notice]");
    if (notice) {
      notice.querySelector("[data-currency-notice-text]").textContent = answer.currency_notice;
      notice.querySelector("[data-currency-switch]").textContent = answer.currency_switch;
      notice.hidden = !answer.currency_notice;
    }
  }

  // No total this page can stand by: none shown, none placed; the status line says why.
  function unpriced(message) {
    quote.value = "";
    quotedFor.value = "";
    ["line", "shipping", "total", "total_idr"].forEach(function (name) {
      setRow(name, "");
    });
    var status = form.querySelector("[data-quote=status]");
    status.textContent = message || "";
    status.hidden = !message;
  }

  function waiting(on) {
    place.disabled = on;
    busy.hidden = !on;
  }

  function update() {
    var ticket = ++asked;
    var query = new URLSearchParams();
    query.set("ship_country", value("country"));
    ["province", "city", "postal_code"].forEach(function (name) {
      query.set(name, value(name));
    });
    query.set("shipping_method", checked("shipping_method") || "courier");
    query.set("charge_currency", value("currency"));
    fetch(url + "?" + query.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (ticket !== asked) return; // an older answer arriving late
        if (answer.ok) show(answer.body);
        else unpriced(answer.body && answer.body.error ? answer.body.error.message : "");
        waiting(false);
      })
      .catch(function () {
        if (ticket !== asked) return;
        quote.value = ""; // the server says why when the order is placed
        quotedFor.value = "";
        waiting(false);
      });
  }

  function changed() {
    waiting(true);
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 300);
  }

  function choose(name, wanted) {
    var radios = form.querySelectorAll("input[name=" + name + "]");
    if (!radios.length || form.querySelector("input[name=" + name + "]:checked")) return;
    var match = Array.prototype.filter.call(radios, function (radio) {
      return radio.value === wanted;
    });
    (match[0] || radios[0]).checked = true;
  }

  function bankNote() {
    var note = form.querySelector("[data-bank-note]");
    if (note) note.hidden = checked("payment_method") !== "bank_transfer";
  }

  // Indonesia and abroad ask for different fields, delivery and payment choices: swap the parts.
  // The page has the other country family's in <template>s; a part taken out is kept here, as it
  // was, for when the buyer switches back.
  var parked = {};

  function part(family, slot) {
    if (parked[family] && parked[family][slot]) return parked[family][slot];
    var spare = form.querySelector("template[data-slot=" + slot + "][data-family=" + family + "]");
    return spare ? document.importNode(spare.content, true).firstElementChild : null;
  }

  function switchFamily() {
    var family = value("country") === "ID" ? "home" : "abroad";
    var old = form.getAttribute("data-family");
    if (family === old) return;
    var kept = {};
    KEPT_ACROSS_COUNTRIES.forEach(function (name) {
      kept[name] = value(name);
    });
    var payment = checked("payment_method");
    parked[old] = parked[old] || {};
    SLOTS.forEach(function (slot) {
      var live = form.querySelector("[data-slot=" + slot + "]");
      var fresh = part(family, slot);
      if (!live || !fresh) return;
      live.parentNode.replaceChild(fresh, live);
      parked[old][slot] = live;
    });
    KEPT_ACROSS_COUNTRIES.forEach(function (name) {
      var element = control(name);
      if (element && !element.value && kept[name]) element.value = kept[name];
    });
    choose("shipping_method", "courier");
    choose("payment_method", payment);
    bankNote();
    form.setAttribute("data-family", family);
  }

  function useSaved(select) {
    var option = select.options[select.selectedIndex];
    var fields = option && option.getAttribute("data-address");
    if (!fields) return;
    fields = JSON.parse(fields);
    control("country").value = fields.country;
    switchFamily();
    Object.keys(fields).forEach(function (name) {
      var element = name === "country" ? null : control(name);
      if (element) element.value = fields[name];
    });
    changed();
  }

  // Typing, a choice in a list, a radio button: each sends "input" at once. (Not "change": a text
  // field sends it when it loses focus — on the press of "Place order" — and that press must count.)
  form.addEventListener("input", function (event) {
    if (DESTINATION[event.target.name]) changed();
  });
  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "address_id") useSaved(event.target);
    if (name === "country") switchFamily();
    if (name === "payment_method") bankNote();
  });
  // Back to this page from the next one: the browser may have restored other values than the
  // page was priced for.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) changed();
  });
})();
