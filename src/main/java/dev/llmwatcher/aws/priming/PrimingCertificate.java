package dev.llmwatcher.aws.priming;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.HexFormat;
import java.util.Optional;

/**
 * SnapStart priming's throwaway key and self-signed certificate for {@code 127.0.0.1}, so that priming can do its TLS
 * handshakes (key exchange, certificate checks) before the snapshot. The build makes them with its JDK's
 * {@code keytool} (the pom's {@code priming-tls} execution) and packages them as a resource, because the runtime may
 * have no {@code keytool}. They secure nothing: only the priming clients trust this certificate, inside the JVM.
 *
 * @param server TLS for the priming server: its key and certificate
 * @param client TLS trusting this certificate only
 * @param fingerprint SHA-256 of the certificate, hex, as {@code ELASTICSEARCH_CA_FINGERPRINT} takes it
 */
public record PrimingCertificate(SSLContext server, SSLContext client, String fingerprint) {

    /** Where the build puts the key store, on the class path. */
    public static final String RESOURCE = "llm-watcher/priming-tls.p12";
    private static final char[] PASSWORD = "priming-not-a-secret".toCharArray();
    private static final String ALIAS = "priming";

    /** The packaged certificate, or empty when this package was built without it. */
    public static Optional<PrimingCertificate> load() {
        try (InputStream in = PrimingCertificate.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, PASSWORD);
            Certificate certificate = keys.getCertificate(ALIAS);
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, PASSWORD);
            SSLContext server = SSLContext.getInstance("TLS");
            server.init(keyManagers.getKeyManagers(), null, null);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry(ALIAS, certificate);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, trust.getTrustManagers(), null);
            String fingerprint = HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
            return Optional.of(new PrimingCertificate(server, client, fingerprint));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the priming certificate " + RESOURCE, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the priming certificate " + RESOURCE + ": " + e.getMessage(),
                    e);
        }
    }
}
