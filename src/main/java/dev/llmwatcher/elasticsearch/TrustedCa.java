package dev.llmwatcher.elasticsearch;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Locale;

/**
 * TLS trust for a cluster with a private CA, the two ways Elasticsearch's own tools offer: the CA certificate
 * ({@code http_ca.crt}, PEM), or the SHA-256 fingerprint Elasticsearch prints at its first start. Host names are
 * still verified either way.
 */
final class TrustedCa {

    private TrustedCa() {
    }

    /** Trusts the certificates in a PEM file (and nothing else). */
    static SSLContext fromPem(Path pem) {
        return context(trusting(certificates(pem)));
    }

    /** The certificates in the file; a missing or unreadable file, or one without a certificate, is a config error. */
    static Collection<? extends Certificate> certificates(Path pem) {
        if (!Files.exists(pem)) {
            throw new IllegalArgumentException("the Elasticsearch CA certificate file " + pem + " does not exist");
        }
        if (!Files.isRegularFile(pem) || !Files.isReadable(pem)) {
            throw new IllegalArgumentException("the Elasticsearch CA certificate file " + pem
                    + " is not a file this user can read");
        }
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException e) {
            throw noCertificate(pem, e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the Elasticsearch CA certificate file " + pem + ": "
                    + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw noCertificate(pem, null);
        }
        return certificates;
    }

    private static IllegalArgumentException noCertificate(Path pem, CertificateException cause) {
        return new IllegalArgumentException("no certificate found in the Elasticsearch CA certificate file " + pem
                + " (expected PEM text starting with -----BEGIN CERTIFICATE-----)", cause);
    }

    /** The JDK's usual checks of a server's chain (signatures, validity, host name) with these CAs trusted. */
    static X509ExtendedTrustManager trusting(Collection<? extends Certificate> certificates) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("this JDK has no X.509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot set up trust in a CA: " + e.getMessage(), e);
        }
    }

    /**
     * Trusts a server whose certificate chain is anchored by the certificate with this SHA-256 fingerprint (hex,
     * with or without colons), as Elasticsearch prints it for its CA; see {@link FingerprintTrustManager}.
     */
    static SSLContext fromFingerprint(String fingerprint) {
        String wanted = fingerprint.replace(":", "").strip().toLowerCase(Locale.ROOT);
        if (!wanted.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("the Elasticsearch CA fingerprint must be a SHA-256 in hex (64 hex "
                    + "digits, colons allowed)");
        }
        return context(new FingerprintTrustManager(wanted));
    }

    private static SSLContext context(X509ExtendedTrustManager trustManager) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
