package org.msam.examples.data;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Prepares the batches of another {@link DataSetIterator} on a background thread, keeping at most
 * {@code capacity} ready batches in a bounded queue.
 *
 * <p>Compared with DL4J's {@code AsyncDataSetIterator}: batches live in ordinary (non-workspace) arrays, so
 * a caller may keep them; an exception thrown while preparing a batch is rethrown by the next
 * {@link #hasNext()} or {@link #next()} on the caller's thread instead of leaving the caller waiting; and the
 * worker is never interrupted (an interrupt would close the file channels a reader may have open), it is
 * asked to stop and the queue is drained until it has.
 *
 * <p>The thread starts on the first {@link #hasNext()}/{@link #next()} after construction or
 * {@link #reset()}. {@link #reset()} stops it, resets the wrapped iterator and lets the next call start a new
 * one; {@link #close()} stops it for good. It is a daemon thread, so a forgotten iterator does not keep the
 * JVM alive. Set a pre-processor before iterating (it is handed to the wrapped iterator and runs on the
 * background thread).
 *
 * <pre>{@code
 * try (PrefetchingDataSetIterator train = new PrefetchingDataSetIterator(base, 4)) {
 *     model.fit(train, epochs);
 * }
 * }</pre>
 */
public final class PrefetchingDataSetIterator implements DataSetIterator, AutoCloseable {
    private static final long serialVersionUID = 1L;
    /** Default number of batches prepared ahead. */
    public static final int DEFAULT_CAPACITY = 4;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** The wrapped iterator. */
    private final DataSetIterator base;
    /** Queue capacity. */
    private final int capacity;
    private final transient BlockingQueue<Item> queue;
    /** ND4J device of the creating thread, used by the worker. */
    private final int deviceId;
    private transient Worker worker;
    private transient Item peeked;
    /** Whether {@link #close()} was called. */
    private boolean closed;

    /**
     * Wraps an iterator with the {@link #DEFAULT_CAPACITY default} queue capacity.
     *
     * @param base the iterator whose batches are prepared ahead; it must not be used directly afterwards
     */
    public PrefetchingDataSetIterator(DataSetIterator base) {
        this(base, DEFAULT_CAPACITY);
    }

    /**
     * Wraps an iterator.
     *
     * @param base     the iterator whose batches are prepared ahead; it must not be used directly afterwards
     * @param capacity how many ready batches may wait in the queue (at least 1)
     */
    public PrefetchingDataSetIterator(DataSetIterator base, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("Invalid capacity value: " + capacity);
        }
        this.base = base;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.deviceId = Nd4j.getAffinityManager().getDeviceForCurrentThread();
    }

    /** @return the maximum number of ready batches waiting in the queue */
    public int capacity() {
        return capacity;
    }

    /** @return the wrapped iterator */
    public DataSetIterator base() {
        return base;
    }

    @Override
    public boolean hasNext() {
        if (peeked == null) {
            if (closed) {
                throw new IllegalStateException("This iterator is closed");
            }
            if (worker == null) {
                worker = new Worker();
                worker.start();
            }
            try {
                peeked = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the next batch", e);
            }
        }
        if (peeked.error != null) {
            Throwable error = peeked.error;
            if (error instanceof Error) {
                throw (Error) error;
            }
            throw new IllegalStateException("Preparing a batch on the background thread failed: " + error, error);
        }
        return peeked.dataSet != null;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("No more batches: call reset()");
        }
        DataSet ds = peeked.dataSet;
        peeked = null;
        return ds;
    }

    /**
     * Not supported: the batch size is fixed by the wrapped iterator.
     *
     * @param num ignored
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("next(num) is not supported by a prefetching iterator");
    }

    @Override
    public int inputColumns() {
        return base.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return base.totalOutcomes();
    }

    @Override
    public boolean resetSupported() {
        return base.resetSupported();
    }

    /** @return false: batches are already prepared ahead, another prefetching layer would only add copies */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    /** Stops the background thread, resets the wrapped iterator; the next call starts a new thread. */
    @Override
    public void reset() {
        if (closed) {
            throw new IllegalStateException("This iterator is closed");
        }
        stopWorker();
        base.reset();
    }

    /** Stops the background thread for good; further use throws {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        stopWorker();
    }

    private void stopWorker() {
        Worker w = worker;
        worker = null;
        peeked = null;
        if (w != null) {
            w.stopRequested = true;
            boolean interrupted = false;
            while (w.isAlive()) {
                queue.clear();
                try {
                    w.join(20);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        queue.clear();
    }

    @Override
    public int batch() {
        return base.batch();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        base.setPreProcessor(preProcessor);
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return base.getPreProcessor();
    }

    @Override
    public List<String> getLabels() {
        return base.getLabels();
    }

    /** A queue entry: a batch, the end of the epoch (both fields null), or an error. */
    private static final class Item {
        private static final Item END = new Item(null, null);
        private final DataSet dataSet;
        private final Throwable error;

        private Item(DataSet dataSet, Throwable error) {
            this.dataSet = dataSet;
            this.error = error;
        }
    }

    private final class Worker extends Thread {
        private volatile boolean stopRequested;

        private Worker() {
            super("msam-prefetch-" + THREADS.incrementAndGet());
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                Nd4j.getAffinityManager().unsafeSetDevice(deviceId);
                while (!stopRequested && base.hasNext()) {
                    DataSet ds = base.next();
                    if (ds == null) {
                        throw new IllegalStateException(base.getClass().getName() + ".next() returned null");
                    }
                    if (!offer(new Item(ds, null))) {
                        return;
                    }
                }
                offer(Item.END);
            } catch (Throwable t) { // handed to the consumer thread, which rethrows it
                offer(new Item(null, t));
            }
        }

        /** Puts an item, waiting for space; gives up (returns false) once stopping is requested. */
        private boolean offer(Item item) {
            try {
                while (!stopRequested) {
                    if (queue.offer(item, 10, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }
}
