const SwaggerParser = require("@apidevtools/swagger-parser");
(async () => {
  let bad = 0;
  for (const f of process.argv.slice(2)) {
    try { await SwaggerParser.validate(f); console.log("valid " + f); }
    catch (e) { bad++; console.log("INVALID " + f + ": " + e.message); }
  }
  process.exit(bad ? 1 : 0);
})();
