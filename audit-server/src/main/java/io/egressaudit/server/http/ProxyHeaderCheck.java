package io.egressaudit.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the PROXY protocol header (HAProxy's proxy-protocol.txt, v1 and v2) of a connection to a
 * {@code --proxy-protocol-listen} address before Netty's decoder reads it, for what that decoder
 * lets through:
 *
 * <ul>
 *   <li>v1: addresses and ports with leading zeros ({@code 01.2.3.4}, port {@code 01111}), which
 *       the specification does not allow (an address must be as {@code inet_ntop} writes it, a port
 *       without leading zeros);
 *   <li>v2: a TLV whose length runs past the header's block, and an address block shorter than its
 *       family needs;
 *   <li>v2: a header declaring more than {@link #MAX_V2_BLOCK} bytes after its fixed 16, so no more
 *       than that is ever buffered for it (Netty would buffer up to 64 KiB until {@code
 *       --request-timeout}).
 * </ul>
 *
 * A connection whose header fails a check is closed without an answer, as Netty closes one whose
 * header it cannot read. Bytes that do not start with a PROXY signature are left to Netty's
 * decoder, which refuses them. Once the header passed, this handler leaves the pipeline and hands
 * on every byte it held, the header included.
 */
final class ProxyHeaderCheck extends ByteToMessageDecoder {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyHeaderCheck.class);

  /**
   * Largest v2 block accepted after the fixed 16 bytes: addresses (at most 216 bytes, for UNIX
   * sockets) and TLVs. HAProxy's and cloud load balancers' TLVs (ALPN, authority, SSL details, VPC
   * endpoint ids) take a few hundred bytes.
   */
  static final int MAX_V2_BLOCK = 4096;

  private static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);

  /** Longest v1 line, CRLF included (proxy-protocol.txt section 2.1). */
  private static final int MAX_V1_LINE = 107;

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final String IPV4 = OCTET + "(\\." + OCTET + "){3}";
  private static final String PORT =
      "(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

  /**
   * Put in a server's bootstrap ({@code ServerBootstrap.handler}): puts a new check first in the
   * pipeline of each connection accepted, before Vert.x sets the connection up.
   */
  @ChannelHandler.Sharable
  static final class Installer extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel child) {
        child.pipeline().addFirst("proxyHeaderCheck", new ProxyHeaderCheck());
      }
      ctx.fireChannelRead(msg);
    }
  }

  static final Installer INSTALLER = new Installer();

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int r = in.readerIndex();
    int n = in.readableBytes();
    String problem;
    if (startsWith(in, V2_SIGNATURE)) {
      if (n < 16) {
        return;
      }
      int length = in.getUnsignedShort(r + 14);
      if (length > MAX_V2_BLOCK) {
        problem = "v2 header of " + length + " bytes, more than " + MAX_V2_BLOCK;
      } else if (n < 16 + length) {
        return;
      } else {
        problem = checkV2(in, r, length);
      }
    } else if (startsWith(in, V1_SIGNATURE)) {
      int end = lineEnd(in, r, Math.min(n, MAX_V1_LINE));
      if (end < 0) {
        if (n < MAX_V1_LINE) {
          return;
        }
        problem = null; // no CRLF within 107 bytes: Netty refuses it
      } else {
        problem = checkV1(in.toString(r, end - r, StandardCharsets.US_ASCII));
      }
    } else if (n < V2_SIGNATURE.length && couldStart(in)) {
      return;
    } else {
      problem = null; // no PROXY header: Netty's decoder refuses it
    }
    if (problem == null) {
      ctx.pipeline().remove(this);
      return;
    }
    LOG.debug("PROXY header from {} refused: {}", ctx.channel().remoteAddress(), problem);
    in.skipBytes(in.readableBytes());
    ctx.close();
  }

  /** Null when the v1 line (without CRLF) is as the specification writes it, else why not. */
  static String checkV1(String line) {
    String[] f = line.split(" ", -1);
    if (f.length >= 2 && f[1].equals("UNKNOWN")) {
      return null;
    }
    if (f.length != 6) {
      return "v1 line of " + f.length + " fields";
    }
    boolean tcp4 = f[1].equals("TCP4");
    if (!tcp4 && !f[1].equals("TCP6")) {
      return null; // Netty refuses an unknown protocol
    }
    for (int i = 2; i <= 3; i++) {
      boolean ok =
          tcp4
              ? f[i].matches(IPV4)
              : f[i].indexOf(':') >= 0
                  && f[i].matches("[0-9a-fA-F:.]+")
                  && new inet.ipaddr.IPAddressString(f[i]).isIPv6();
      if (!ok) {
        return "v1 address '" + f[i] + "' is not as inet_ntop writes it";
      }
    }
    for (int i = 4; i <= 5; i++) {
      if (!f[i].matches(PORT)) {
        return "v1 port '" + f[i] + "' is not 0 to 65535 without leading zeros";
      }
    }
    return null;
  }

  /** Null when the v2 block's addresses and TLVs fit it, else why not. */
  static String checkV2(ByteBuf in, int start, int length) {
    int family = in.getUnsignedByte(start + 13) >> 4;
    int command = in.getUnsignedByte(start + 12) & 0x0f;
    int addresses =
        switch (family) {
          case 1 -> 12; // AF_INET
          case 2 -> 36; // AF_INET6
          case 3 -> 216; // AF_UNIX
          default -> 0;
        };
    if (command == 0) {
      return null; // LOCAL: the block is to be skipped
    }
    if (length < addresses) {
      return "v2 block of " + length + " bytes, its addresses need " + addresses;
    }
    int p = start + 16 + addresses;
    int end = start + 16 + length;
    while (p < end) {
      if (end - p < 3) {
        return "v2 TLV header cut at the end of the block";
      }
      int tlvLength = in.getUnsignedShort(p + 1);
      if (p + 3 + tlvLength > end) {
        return "v2 TLV of type 0x"
            + Integer.toHexString(in.getUnsignedByte(p))
            + " runs "
            + (p + 3 + tlvLength - end)
            + " bytes past the block";
      }
      p += 3 + tlvLength;
    }
    return null;
  }

  private static boolean startsWith(ByteBuf in, byte[] prefix) {
    int n = Math.min(in.readableBytes(), prefix.length);
    for (int i = 0; i < n; i++) {
      if (in.getByte(in.readerIndex() + i) != prefix[i]) {
        return false;
      }
    }
    return in.readableBytes() >= prefix.length || n > 0;
  }

  /** True when the bytes so far may still become a PROXY signature. */
  private static boolean couldStart(ByteBuf in) {
    return startsWith(in, V2_SIGNATURE) || startsWith(in, V1_SIGNATURE);
  }

  /** The index of the CR of the first CRLF within {@code limit} bytes, or -1. */
  private static int lineEnd(ByteBuf in, int start, int limit) {
    for (int i = start; i < start + limit - 1; i++) {
      if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n') {
        return i;
      }
    }
    return -1;
  }
}
