// Copies the pinned htmx build from node_modules into web/static/vendor/ (git-ignored).
// Run by `npm ci` (postinstall); the Python app serves it from /static/vendor/htmx.min.js.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const source = path.join(root, "node_modules", "htmx.org", "dist", "htmx.min.js");
const targetDir = path.join(root, "web", "static", "vendor");
fs.mkdirSync(targetDir, { recursive: true });
fs.copyFileSync(source, path.join(targetDir, "htmx.min.js"));
console.log("copied htmx.min.js to web/static/vendor/");
