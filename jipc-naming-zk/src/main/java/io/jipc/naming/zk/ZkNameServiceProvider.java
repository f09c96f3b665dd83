package io.jipc.naming.zk;

import io.jipc.naming.NameService;
import io.jipc.naming.spi.NameServiceProvider;

import java.net.URI;

/** The {@code zk} scheme: {@code zk://host:port[,host:port...]/chroot[?timeout=15s&session=20s]}. */
public final class ZkNameServiceProvider implements NameServiceProvider {
    @Override
    public String scheme() {
        return "zk";
    }

    @Override
    public NameService open(URI uri) {
        return ZkNameService.open(ZkAddress.parse(uri));
    }
}
