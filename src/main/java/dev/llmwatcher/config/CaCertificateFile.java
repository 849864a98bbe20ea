package dev.llmwatcher.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * Reads a CA certificate file once while the configuration is checked, so a missing, unreadable or empty file is a
 * configuration error (exit 2) with the file named, not a TLS failure on the first request.
 */
final class CaCertificateFile {

    private CaCertificateFile() {
    }

    /**
     * @throws IllegalArgumentException saying what is wrong: missing, unreadable, or no certificate in it
     */
    static void check(Path pem) {
        if (!Files.exists(pem)) {
            throw new IllegalArgumentException("the file " + pem + " does not exist");
        }
        if (!Files.isRegularFile(pem) || !Files.isReadable(pem)) {
            throw new IllegalArgumentException("the file " + pem + " is not a file this user can read");
        }
        try (InputStream in = Files.newInputStream(pem)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw noCertificate(pem, null);
            }
        } catch (CertificateException e) {
            throw noCertificate(pem, e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the file " + pem + ": " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException noCertificate(Path pem, CertificateException cause) {
        return new IllegalArgumentException("no certificate found in the file " + pem
                + " (expected PEM text starting with -----BEGIN CERTIFICATE-----)", cause);
    }
}
