package dev.rollgate.worker;

import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.spring.boot.WorkerOptionsCustomizer;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.tuning.PollerBehavior;
import io.temporal.worker.tuning.PollerBehaviorAutoscaling;
import io.temporal.worker.tuning.PollerBehaviorSimpleMaximum;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Applies {@code rollgate.worker.*} ({@link RollgateProperties.Worker}) to the Temporal worker
 * factory and to every worker through the starter's customizer hooks. The starter runs customizers
 * after it has applied {@code spring.temporal.*}, so these settings win over the starter's keys for
 * the same options.
 */
@Configuration(proxyBeanMethods = false)
class WorkerTuningConfiguration {
  private static final Logger log = LoggerFactory.getLogger(WorkerTuningConfiguration.class);

  @Bean
  TemporalOptionsCustomizer<WorkerFactoryOptions.Builder> rollgateWorkerFactoryTuning(
      RollgateProperties properties) {
    RollgateProperties.Worker tuning = properties.worker();
    return builder ->
        builder
            .setWorkflowCacheSize(tuning.workflowCacheSize())
            .setMaxWorkflowThreadCount(tuning.maxWorkflowThreads());
  }

  @Bean
  WorkerOptionsCustomizer rollgateWorkerTuning(RollgateProperties properties) {
    RollgateProperties.Worker tuning = properties.worker();
    return (builder, workerName, taskQueue) -> {
      log.info(
          "Temporal worker on task queue {}: workflow cache {}, {} workflow threads, {} workflow"
              + " tasks and {} activities at once, workflow pollers {}, activity pollers {},"
              + " sticky schedule-to-start {}",
          taskQueue,
          tuning.workflowCacheSize(),
          tuning.maxWorkflowThreads(),
          tuning.maxConcurrentWorkflowTasks(),
          tuning.maxConcurrentActivities(),
          tuning.workflowPollers(),
          tuning.activityPollers(),
          tuning.stickyScheduleToStart());
      return apply(tuning, builder);
    };
  }

  static WorkerOptions.Builder apply(RollgateProperties.Worker tuning, WorkerOptions.Builder b) {
    return b.setMaxConcurrentWorkflowTaskExecutionSize(tuning.maxConcurrentWorkflowTasks())
        .setMaxConcurrentActivityExecutionSize(tuning.maxConcurrentActivities())
        .setWorkflowTaskPollersBehavior(pollerBehavior(tuning.workflowPollers()))
        .setActivityTaskPollersBehavior(pollerBehavior(tuning.activityPollers()))
        .setStickyQueueScheduleToStartTimeout(tuning.stickyScheduleToStart());
  }

  static PollerBehavior pollerBehavior(RollgateProperties.Pollers pollers) {
    return pollers.autoscaling()
        ? new PollerBehaviorAutoscaling(pollers.minimum(), pollers.maximum(), pollers.initial())
        : new PollerBehaviorSimpleMaximum(pollers.maximum());
  }
}
