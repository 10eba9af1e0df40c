// An order shipped to a country with several time zones (the US, Australia…): the page says its
// times in WIB, and this rewrites each <time data-local> into the browser's own zone,
// "8 December 2026, 14:28 EST · 03:28 WIB" (data-beside: the WIB clock kept after a deadline).
// Without it, or in a browser set to Jakarta's time, the WIB text stays as it is.
(function () {
  var lang = document.documentElement.lang || "en";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone === "Asia/Jakarta") return;

  function parts(formatter, date) {
    var found = {};
    formatter.formatToParts(date).forEach(function (part) { found[part.type] = part.value; });
    return found;
  }

  var dayFormat = new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric" });
  var timeFormat = new Intl.DateTimeFormat(lang, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
  });

  document.querySelectorAll("time[data-local][datetime]").forEach(function (element) {
    var date = new Date(element.getAttribute("datetime"));
    if (isNaN(date.getTime())) return;
    var day = parts(dayFormat, date);
    var text = day.day + " " + day.month + " " + day.year;
    if (element.getAttribute("data-local") !== "day") {
      var clock = parts(timeFormat, date);
      text += ", " + clock.hour + ":" + clock.minute + " " + clock.timeZoneName;
      var beside = element.getAttribute("data-beside");
      if (beside) text += " · " + beside;
    }
    element.title = element.textContent;  // the WIB time, on hover
    element.textContent = text;
  });
})();
