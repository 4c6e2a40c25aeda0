// Bun.serve baseline: GET /hello -> {"message":"hello"}.
const port = Number(process.argv[2] || 8084);
Bun.serve({
  port,
  hostname: '127.0.0.1',
  fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === '/hello') return Response.json({ message: 'hello' });
    return new Response('', { status: 404 });
  },
});
console.error(`bun on ${port}`);
