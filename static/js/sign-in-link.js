// The parents' sign-in page: the one-time token comes after "#" in the e-mailed link, which a
// browser never sends to a server (so no access log holds it). Copy it into the form, which
// posts it, and take it out of the address bar and the history.
(function () {
  "use strict";
  var field = document.getElementById("sign-in-token");
  var token = window.location.hash.slice(1);
  if (!field || !token) {
    return;
  }
  field.value = decodeURIComponent(token);
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  var hint = document.getElementById("sign-in-no-link");
  if (hint) {
    hint.hidden = true;
  }
})();
