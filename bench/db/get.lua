-- wrk: GET <PREFIX><random id in 1..ROWS> (PREFIX, ROWS from the environment).
local rows = tonumber(os.getenv("ROWS") or "1000")
local prefix = os.getenv("PREFIX") or "/items/"
math.randomseed(1)
request = function()
  return wrk.format("GET", prefix .. math.random(1, rows))
end
