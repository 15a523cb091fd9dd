# The deployment demo's load test (rollgate deploy start --load-test ops/demo/locustfile.py, run by
# .ci/e2e-deploy): each user asks the canary side for its version and health, about 10 times a
# second. Locust's CSV (failure ratio, p95) is what the load-test stage gates on.
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.1)

    @task(3)
    def version(self):
        self.client.get("/version")

    @task
    def health(self):
        self.client.get("/health")
