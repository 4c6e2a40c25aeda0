// Node http baseline: GET /hello -> {"message":"hello"}.
const http = require('http');
const port = Number(process.argv[2] || 8083);
http.createServer((req, res) => {
  if (req.url === '/hello') {
    const body = JSON.stringify({ message: 'hello' });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  } else {
    res.writeHead(404);
    res.end();
  }
}).listen(port, '127.0.0.1', () => console.error(`node on ${port}`));
