package dev.llmwatcher.llm.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Picks the proxy of one LLM call. A proxy named by the configuration ({@code HTTP_PROXY} for {@code http://},
 * {@code HTTPS_PROXY} for {@code https://}) is used unless {@code NO_PROXY} lists the host; for a scheme the
 * configuration names no proxy for, the JDK's own selector decides, which honours the standard system properties
 * ({@code http.proxyHost}, {@code https.proxyHost}, {@code http.nonProxyHosts}, ...). HttpClient 5 opens a CONNECT
 * tunnel through the proxy for {@code https://} calls and sends {@code http://} calls to it in absolute form.
 *
 * <p>{@code NO_PROXY} entries, as curl reads them: {@code *} for every host; a host name, which also covers its
 * subdomains; a domain with a leading {@code .} or {@code *.}; any of these with {@code :port} to match that port
 * only. IP ranges are not understood.
 */
public final class ProxyRoutes extends ProxySelector {

    private static final List<Proxy> DIRECT = List.of(Proxy.NO_PROXY);

    private final Optional<Proxy> http;
    private final Optional<Proxy> https;
    private final List<String> noProxy;
    private final ProxySelector fallback;

    /**
     * @param http     proxy URL ({@code http://host:port}) for {@code http://} calls
     * @param https    proxy URL for {@code https://} calls
     * @param fallback what decides for a scheme without a configured proxy; {@code
     *                 ProxySelector.of(null)} for a direct connection
     */
    public ProxyRoutes(Optional<URI> http, Optional<URI> https, List<String> noProxy, ProxySelector fallback) {
        this.http = http.map(ProxyRoutes::proxy);
        this.https = https.map(ProxyRoutes::proxy);
        this.noProxy = noProxy.stream().map(entry -> entry.strip().toLowerCase(Locale.ROOT)).toList();
        this.fallback = fallback;
    }

    /** The configured proxies, and the JDK's standard properties for the rest. */
    public static ProxyRoutes standard(Optional<URI> http, Optional<URI> https, List<String> noProxy) {
        return new ProxyRoutes(http, https, noProxy, Objects.requireNonNullElse(ProxySelector.getDefault(),
                ProxySelector.of(null)));
    }

    private static Proxy proxy(URI url) {
        return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(url.getHost(), url.getPort()));
    }

    @Override
    public List<Proxy> select(URI uri) {
        Optional<Proxy> configured = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
        if (configured.isEmpty()) {
            return fallback.select(uri);
        }
        return bypassed(uri) ? DIRECT : List.of(configured.get());
    }

    private boolean bypassed(URI uri) {
        String host = uri.getHost() == null ? "" : unbracketed(uri.getHost().toLowerCase(Locale.ROOT));
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return noProxy.stream().anyMatch(entry -> matches(entry, host, port));
    }

    private static boolean matches(String entry, String host, int port) {
        if (entry.equals("*")) {
            return true;
        }
        String domain = entry;
        int colon = entry.lastIndexOf(':');
        if (colon > 0 && entry.indexOf(':') == colon || entry.startsWith("[") && entry.contains("]:")) {
            if (!entry.substring(colon + 1).equals(Integer.toString(port))) {
                return false;
            }
            domain = entry.substring(0, colon);
        }
        domain = unbracketed(domain.startsWith("*.") ? domain.substring(1) : domain);
        if (domain.startsWith(".")) {
            return host.endsWith(domain) || host.equals(domain.substring(1));
        }
        return host.equals(domain) || host.endsWith("." + domain);
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
        // nothing to learn: the next call tries the same proxy, and its failure reaches the caller
    }
}
