// The API reference page: Swagger UI over our own openapi.json (vendored, no network, no inline script).
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null,            // never ask a third-party validator
    persistAuthorization: false,
  });
})();
