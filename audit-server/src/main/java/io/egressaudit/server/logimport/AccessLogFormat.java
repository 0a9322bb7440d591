package io.egressaudit.server.logimport;

/** The access-log formats {@code import-log} reads, as httpd and nginx name them. */
public enum AccessLogFormat {
  /**
   * NCSA common: {@code %h %l %u %t "%r" %>s %b}, e.g. {@code 10.1.8.72 - - [25/Nov/2021:07:50:45
   * -0500] "GET / HTTP/1.1" 200 39}.
   */
  common,
  /**
   * NCSA combined: common plus {@code "%{Referer}i" "%{User-Agent}i"}; nginx's default. A further
   * quoted field, as nginx's stock {@code main} format adds with {@code "$http_x_forwarded_for"},
   * is read as the forwarded-for header.
   */
  combined,
  /**
   * httpd's {@code vhost_combined}: combined with the virtual host first, {@code %v:%p %h %l %u %t
   * "%r" %>s %O "%{Referer}i" "%{User-Agent}i"}; {@code %v:%p} is stored as the hit's host.
   */
  vhost_combined
}
