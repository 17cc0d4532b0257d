// Starts Swagger UI on the page's OpenAPI document. Loaded as a file, never inline, so the
// page's Content-Security-Policy can refuse every inline script.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No calls to the public validator: the page must work offline.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
});
