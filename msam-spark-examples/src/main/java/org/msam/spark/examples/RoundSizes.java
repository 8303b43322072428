package org.msam.spark.examples;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.BlockUpdatedInfo;

/**
 * What the driver and the executors send each other, as Spark's own metrics count it: the bytes of the broadcast
 * pieces the driver stores (dl4j-spark's broadcast of the parameters and updater state each round, and Spark's
 * serialized tasks), and the serialized results of the tasks (each worker's parameters and updater state, or their
 * partial sums). Register with {@code sc.sc().addSparkListener}; Spark calls it on the driver.
 */
public final class RoundSizes extends SparkListener {
    private final AtomicLong broadcastBytes = new AtomicLong();
    private final AtomicLong resultBytes = new AtomicLong();
    private final AtomicLong tasks = new AtomicLong();
    private final AtomicLong failedTasks = new AtomicLong();

    @Override
    public void onBlockUpdated(SparkListenerBlockUpdated event) {
        BlockUpdatedInfo info = event.blockUpdatedInfo();
        if (info.blockId().isBroadcast() && info.blockId().name().contains("_piece")
                && "driver".equals(info.blockManagerId().executorId()) && info.storageLevel().isValid()) {
            broadcastBytes.addAndGet(info.memSize() + info.diskSize());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        tasks.incrementAndGet();
        if (!event.taskInfo().successful()) {
            failedTasks.incrementAndGet();
        }
        if (event.taskMetrics() != null) {
            resultBytes.addAndGet(event.taskMetrics().resultSize());
        }
    }

    /** @return the bytes of the broadcast pieces stored by the driver so far */
    public long broadcastBytes() {
        return broadcastBytes.get();
    }

    /** @return the bytes of the serialized task results so far */
    public long resultBytes() {
        return resultBytes.get();
    }

    /** @return the tasks that ended so far */
    public long tasks() {
        return tasks.get();
    }

    /** @return the tasks that ended without success so far (lost executors, errors) */
    public long failedTasks() {
        return failedTasks.get();
    }
}
