package dev.llmwatcher.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ClosableQueueTest {

    @Test
    void itemsComeOutInTheOrderTheyWentIn() throws InterruptedException {
        ClosableQueue<String> queue = new ClosableQueue<>();
        queue.add("a");
        queue.add("b");
        queue.add("c");

        assertThat(queue.take()).isEqualTo("a");
        List<String> rest = new ArrayList<>();
        assertThat(queue.drainTo(rest)).isEqualTo(2);
        assertThat(rest).containsExactly("b", "c");
    }

    @Test
    void closingWakesAWaitingTakerAtOnceWithNothing() throws Exception {
        ClosableQueue<String> queue = new ClosableQueue<>();
        CompletableFuture<String> taken = new CompletableFuture<>();
        Thread taker = Thread.ofVirtual().start(() -> {
            try {
                taken.complete(queue.take());
            } catch (InterruptedException e) {
                taken.completeExceptionally(e);
            }
        });
        while (taker.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        assertThat(taken).isNotDone();

        queue.close();

        assertThat(taken.get(5, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void whatWasAddedBeforeClosingIsStillTakenThenTheQueueIsDrained() throws InterruptedException {
        ClosableQueue<String> queue = new ClosableQueue<>();
        queue.add("last");
        queue.close();

        assertThat(queue.isDrained()).isFalse();
        assertThat(queue.add("too late")).as("nothing is added after closing").isFalse();
        assertThat(queue.take()).isEqualTo("last");
        assertThat(queue.isDrained()).isTrue();
        assertThat(queue.take()).isNull();
        assertThat(queue.poll(Duration.ofMinutes(1))).as("no wait once drained").isNull();
    }

    @Test
    void pollGivesUpAfterItsWaitWhileTheQueueIsOpen() throws InterruptedException {
        ClosableQueue<String> queue = new ClosableQueue<>();
        long started = System.nanoTime();

        assertThat(queue.poll(Duration.ofMillis(50))).isNull();

        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
        assertThat(queue.isDrained()).as("still open").isFalse();
    }

    @Test
    void pollReturnsAnItemAddedWhileItWaits() throws Exception {
        ClosableQueue<String> queue = new ClosableQueue<>();
        CompletableFuture<String> polled = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.poll(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);

        queue.add("item");

        assertThat(polled.get(5, TimeUnit.SECONDS)).isEqualTo("item");
    }
}
