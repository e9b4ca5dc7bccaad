// Starts Swagger UI on /docs (kept out of the page so the Content-Security-Policy needs no inline script).
(function () {
  "use strict";
  if (typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
})();
