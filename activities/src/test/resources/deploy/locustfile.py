# A tiny load test for LocustRunnerTest: each user GETs / about 20 times a second.
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def home(self):
        self.client.get("/")
