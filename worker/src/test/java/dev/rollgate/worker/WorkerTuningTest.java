package dev.rollgate.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollgate.workflows.TaskQueues;
import io.temporal.spring.boot.autoconfigure.MetricsScopeAutoConfiguration;
import io.temporal.spring.boot.autoconfigure.RootNamespaceAutoConfiguration;
import io.temporal.spring.boot.autoconfigure.ServiceStubsAutoConfiguration;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.tuning.PollerBehavior;
import io.temporal.worker.tuning.PollerBehaviorAutoscaling;
import io.temporal.worker.tuning.PollerBehaviorSimpleMaximum;
import java.lang.reflect.Field;
import java.time.Duration;
import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * {@code rollgate.worker.*} binds and reaches the options of the worker factory and worker that the
 * Temporal starter builds: the settings cannot be silently ignored. No server is needed: the
 * starter creates its (lazy) connection and the workers but does not start them here.
 */
class WorkerTuningTest {

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(RollgateProperties.class)
  static class Tuning {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MetricsScopeAutoConfiguration.class,
                  ServiceStubsAutoConfiguration.class,
                  RootNamespaceAutoConfiguration.class))
          .withUserConfiguration(Tuning.class, WorkerTuningConfiguration.class)
          .withPropertyValues(
              // nothing listens here and nothing is started: the stubs connect lazily
              "spring.temporal.connection.target=127.0.0.1:1",
              "spring.temporal.start-workers=false",
              "spring.temporal.workers[0].task-queue=" + TaskQueues.ROLLGATE,
              "spring.temporal.workers[0].workflow-classes[0]="
                  + "dev.rollgate.workflows.rollout.FlagRolloutWorkflowImpl");

  @Test
  void defaultsReachTheStartersWorkerAndFactory() {
    runner.run(
        context ->
            assertTuning(
                context,
                2000,
                2000,
                new PollerBehaviorAutoscaling(1, 16, 4),
                new PollerBehaviorAutoscaling(1, 16, 4),
                200,
                200,
                Duration.ofSeconds(5)));
  }

  @Test
  void everyPropertyBindsAndWinsOverTheStartersKeys() {
    runner
        .withPropertyValues(
            // the starter's own key for the cache: rollgate.worker.* is applied after it
            "spring.temporal.workflow-cache.max-instances=10",
            "rollgate.worker.workflow-cache-size=1234",
            "rollgate.worker.max-workflow-threads=1500",
            "rollgate.worker.max-concurrent-workflow-tasks=77",
            "rollgate.worker.max-concurrent-activities=55",
            "rollgate.worker.workflow-pollers.minimum=2",
            "rollgate.worker.workflow-pollers.initial=3",
            "rollgate.worker.workflow-pollers.maximum=9",
            "rollgate.worker.activity-pollers.autoscaling=false",
            "rollgate.worker.activity-pollers.maximum=7",
            "rollgate.worker.sticky-schedule-to-start=2s")
        .run(
            context ->
                assertTuning(
                    context,
                    1234,
                    1500,
                    new PollerBehaviorAutoscaling(2, 9, 3),
                    new PollerBehaviorSimpleMaximum(7),
                    77,
                    55,
                    Duration.ofSeconds(2)));
  }

  @Test
  void inconsistentPollerBoundsStopStartUpWithTheirName() {
    runner
        .withPropertyValues(
            "rollgate.worker.workflow-pollers.initial=20",
            "rollgate.worker.workflow-pollers.maximum=8")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("minimum <= initial <= maximum"));
  }

  private static void assertTuning(
      AssertableApplicationContext context,
      int cacheSize,
      int workflowThreads,
      PollerBehavior workflowPollers,
      PollerBehavior activityPollers,
      int workflowTasks,
      int activities,
      Duration sticky)
      throws Exception {
    assertThat(context).hasNotFailed();
    WorkerFactory factory = context.getBean(WorkerFactory.class);
    WorkerFactoryOptions factoryOptions = factoryOptions(factory);
    assertThat(factoryOptions.getWorkflowCacheSize()).isEqualTo(cacheSize);
    assertThat(factoryOptions.getMaxWorkflowThreadCount()).isEqualTo(workflowThreads);

    WorkerOptions options = factory.getWorker(TaskQueues.ROLLGATE).getWorkerOptions();
    // PollerBehaviorSimpleMaximum has no equals: compare what each behaviour holds
    assertThat(options.getWorkflowTaskPollersBehavior())
        .usingRecursiveComparison(
            RecursiveComparisonConfiguration.builder().withStrictTypeChecking(true).build())
        .isEqualTo(workflowPollers);
    assertThat(options.getActivityTaskPollersBehavior())
        .usingRecursiveComparison(
            RecursiveComparisonConfiguration.builder().withStrictTypeChecking(true).build())
        .isEqualTo(activityPollers);
    assertThat(options.getMaxConcurrentWorkflowTaskExecutionSize()).isEqualTo(workflowTasks);
    assertThat(options.getMaxConcurrentActivityExecutionSize()).isEqualTo(activities);
    assertThat(options.getStickyQueueScheduleToStartTimeout()).isEqualTo(sticky);
  }

  /**
   * The factory keeps its options private and has no getter; read the field (an SDK upgrade that
   * renames it fails this test loudly rather than letting the setting go unchecked).
   */
  private static WorkerFactoryOptions factoryOptions(WorkerFactory factory) throws Exception {
    Field field = WorkerFactory.class.getDeclaredField("factoryOptions");
    field.setAccessible(true);
    return (WorkerFactoryOptions) field.get(factory);
  }
}
