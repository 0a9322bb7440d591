package io.egressaudit.server.logimport;

/** The access-log formats {@code import-log} reads, as httpd and nginx name them. */
public enum AccessLogFormat {
  /**
   * NCSA common: {@code %h %l %u %t "%r" %>s %b}, e.g. {@code 10.1.8.72 - - [25/Nov/2021:07:50:45
   * -0500] "GET / HTTP/1.1" 200 39}.
   */
  common,
  /** NCSA combined: common plus {@code "%{Referer}i" "%{User-Agent}i"}; nginx's default. */
  combined
}
