package dev.llmwatcher.elasticsearch;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/**
 * An HTTPS server on 127.0.0.1 that shows exactly the certificate chain it is given (signed or not, in any order)
 * and answers every request as Elasticsearch would a ping ({@code {}}): a stand-in for a server in the middle.
 */
final class HttpsStub implements AutoCloseable {

    private static final char[] PASSWORD = "stub-password".toCharArray();

    private final HttpsServer server;

    HttpsStub(PrivateKey key, Certificate... chain) {
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(serving(key, chain)));
            server.createContext("/", exchange -> {
                byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.getResponseHeaders().add("X-Elastic-Product", "Elasticsearch");
                if (exchange.getRequestMethod().equals("HEAD")) {
                    exchange.sendResponseHeaders(200, -1);
                } else {
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
                exchange.close();
            });
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server's URL under {@code host}, a name for 127.0.0.1 (which the certificate may or may not carry). */
    URI url(String host) {
        return URI.create("https://" + host + ":" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The key entry {@code alias} of a PKCS12 keystore. */
    static PrivateKey key(Path keystore, String password, String alias) {
        try {
            return (PrivateKey) KeyStore.getInstance(keystore.toFile(), password.toCharArray())
                    .getKey(alias, password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key " + alias + " from " + keystore, e);
        }
    }

    /** The chain of the key entry {@code alias} of a PKCS12 keystore, the key's own certificate first. */
    static Certificate[] chain(Path keystore, String password, String alias) {
        try {
            return KeyStore.getInstance(keystore.toFile(), password.toCharArray()).getCertificateChain(alias);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the chain of " + alias + " from " + keystore, e);
        }
    }

    static Certificate certificate(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the certificate " + pem, e);
        }
    }

    private static SSLContext serving(PrivateKey key, Certificate[] chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, PASSWORD, chain);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot serve this chain: " + e.getMessage(), e);
        }
    }
}
