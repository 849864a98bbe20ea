package dev.llmwatcher.http;

import dev.llmwatcher.testing.SlowDnsResolverProvider;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Host names looked up on the test JVMs' {@link SlowDnsResolverProvider}. */
class HostLookupTest {

    private final HostLookup lookup = new HostLookup();

    @Test
    void callersOfTheSameNameShareOneLookupThread() throws Exception {
        String host = "llm-" + System.nanoTime() + SlowDnsResolverProvider.SLOW;
        int callers = 16;
        CountDownLatch calling = new CountDownLatch(callers);
        List<Future<InetAddress>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                answers.add(threads.submit(() -> {
                    calling.countDown();
                    return lookup.resolve(host, 10_000);
                }));
            }
            calling.await();
            Thread.sleep(SlowDnsResolverProvider.SLOW_LOOKUP.dividedBy(4));

            assertThat(Thread.getAllStackTraces().keySet()).as("threads looking up " + host)
                    .filteredOn(thread -> thread.getName().equals("resolve " + host)).hasSize(1);
            for (Future<InetAddress> answer : answers) {
                assertThat(answer.get()).isEqualTo(InetAddress.getLoopbackAddress());
            }
        }
    }

    @Test
    void eachCallerWaitsForAHangingLookupNoLongerThanItsOwnTimeout() {
        String host = "es-" + System.nanoTime() + SlowDnsResolverProvider.SUFFIX;

        for (int timeout : new int[] {200, 300}) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> lookup.resolve(host, timeout)).isInstanceOf(ConnectException.class)
                    .hasMessage("could not resolve " + host + " within " + timeout + " ms");
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
        }
        assertThat(Thread.getAllStackTraces().keySet()).as("the second caller waited for the first lookup")
                .filteredOn(thread -> thread.getName().equals("resolve " + host)).hasSize(1);
    }

    @Test
    void addressLiteralsNeedNoLookupThread() throws Exception {
        assertThat(lookup.resolve("127.0.0.1", 1)).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(lookup.resolve("::1", 1)).isEqualTo(InetAddress.getByName("::1"));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(thread -> thread.getName().startsWith("resolve 1")
                || thread.getName().startsWith("resolve :"));
    }
}
