-- wrk: POST /items with a JSON body like the direct program's insert.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"item","qty":1,"price":2.5,"done":false,"tags":["a","b"]}'
