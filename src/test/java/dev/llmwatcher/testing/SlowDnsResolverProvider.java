package dev.llmwatcher.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A name server that never answers, for host names ending in {@value #SUFFIX}: their lookup hangs for a minute and
 * then fails, as a lookup against an unreachable name server does. Names ending in {@value #SLOW} are the loopback
 * address, after {@link #SLOW_LOOKUP}. Names ending in {@value #UNKNOWN} do not exist, at once, whatever the
 * machine's name server does. Every other name goes to the JDK's own resolver. Registered for the test JVMs in
 * {@code META-INF/services}.
 */
public final class SlowDnsResolverProvider extends InetAddressResolverProvider {

    public static final String SUFFIX = ".hanging-dns.test";
    public static final String UNKNOWN = ".no-such-host.test";
    public static final String SLOW = ".slow-dns.test";
    public static final Duration SLOW_LOOKUP = Duration.ofSeconds(1);

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (host.endsWith(UNKNOWN)) {
                    throw new UnknownHostException(host);
                }
                if (host.endsWith(SLOW)) {
                    try {
                        Thread.sleep(SLOW_LOOKUP);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Stream.of(InetAddress.getLoopbackAddress());
                }
                if (host.endsWith(SUFFIX)) {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new UnknownHostException(host + ": the name server did not answer");
                }
                return builtin.lookupByName(host, policy);
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                return builtin.lookupByAddress(address);
            }
        };
    }

    @Override
    public String name() {
        return "hanging name server for " + SUFFIX;
    }
}
