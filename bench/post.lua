-- A POST with BODY (and COOKIE, CONTENT_TYPE when given), for bench/api.py.
wrk.method = "POST"
wrk.body = os.getenv("BODY") or ""
if os.getenv("COOKIE") then wrk.headers["Cookie"] = os.getenv("COOKIE") end
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
