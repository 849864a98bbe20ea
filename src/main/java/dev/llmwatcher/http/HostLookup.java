package dev.llmwatcher.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Looks host names up within a timeout, one lookup per name at a time.
 *
 * <p>The JDK's lookup has no timeout of its own (a name server that does not answer holds it for as long as the
 * system's resolver retries, 10 s and more), and the connect timeout is meant to bound all of connecting, so the
 * lookup runs on a thread of its own and the caller waits for it at most the timeout. Callers that need the same name
 * meanwhile wait for that lookup instead of starting their own: a drain opens a connection per call slot at once (64
 * for the default Ollama URL, {@code http://localhost:11434}), and a name server that does not answer would otherwise
 * collect a stuck thread per connection attempt. A platform thread: the first virtual one would start their
 * scheduler, 12 ms of a Lambda cold start that has no other use for it when the queue is empty. The JDK caches what
 * it finds, so a lookup runs once in a while. An address literal needs no lookup, and no thread.
 */
final class HostLookup {

    /** A dotted IPv4 address, which {@link InetAddress#getByName} parses without a lookup (IPv6 ones hold a colon). */
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final ConcurrentHashMap<String, FutureTask<InetAddress>> running = new ConcurrentHashMap<>();

    /**
     * @throws ConnectException       when the name is unknown or its lookup did not end within the timeout
     * @throws InterruptedIOException when the calling thread was interrupted
     */
    InetAddress resolve(String host, int timeoutMillis) throws IOException {
        if (IPV4_LITERAL.matcher(host).matches() || host.indexOf(':') >= 0) {
            return InetAddress.getByName(host);
        }
        try {
            return lookupOf(host).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ConnectException("could not resolve " + host + " within " + timeoutMillis + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException) {
                throw new ConnectException("unknown host " + host);
            }
            throw new IOException("could not resolve " + host + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while resolving " + host);
        }
    }

    /** The lookup of {@code host} in progress, started now if there is none; it is forgotten once it has ended. */
    private FutureTask<InetAddress> lookupOf(String host) {
        FutureTask<InetAddress> mine = new FutureTask<>(() -> InetAddress.getByName(host));
        FutureTask<InetAddress> current = running.putIfAbsent(host, mine);
        if (current != null) {
            return current;
        }
        Thread.ofPlatform().daemon().name("resolve " + host).start(() -> {
            try {
                mine.run();
            } finally {
                running.remove(host, mine);
            }
        });
        return mine;
    }
}
