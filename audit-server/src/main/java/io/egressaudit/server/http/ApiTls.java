package io.egressaudit.server.http;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The certificate the API serves HTTPS with ({@code serve --api-tls-cert/--api-tls-key}).
 *
 * @param certificate PEM file with the certificate chain, server certificate first
 * @param key PEM file with its private key (PKCS#8 or PKCS#1)
 */
public record ApiTls(Path certificate, Path key) {

  /**
   * Checks that both files are readable, before anything starts.
   *
   * @throws IllegalArgumentException naming the option and the file otherwise
   */
  public ApiTls {
    if (!Files.isReadable(certificate)) {
      throw new IllegalArgumentException(
          "--api-tls-cert " + certificate + ": no such readable file");
    }
    if (!Files.isReadable(key)) {
      throw new IllegalArgumentException("--api-tls-key " + key + ": no such readable file");
    }
  }
}
