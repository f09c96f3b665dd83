package io.jipc.bench.rpc;

import io.jipc.cli.bench.ParentWatch;
import io.jipc.naming.NameService;
import io.jipc.rpc.RpcServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The server process of {@link RpcBench}: serves {@link Echo} under the name it is given, on its
 * mailbox and on a TCP port of 127.0.0.1, registered in this host's name service; prints
 * {@code READY serving}, and stops when its standard input ends ({@code PEER DONE}).
 */
public final class RpcBenchPeer {
    private RpcBenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        // never outlive the parent (whatever kills it)
        ParentWatch.start(3); // the process that started it, even if it died while this JVM started
        try (NameService names = NameService.open();
             RpcServer<Echo> server = RpcServer.builder(args[0], Echo.class, payload -> payload)
                     .listen(new InetSocketAddress("127.0.0.1", 0)).register(names).start()) {
            System.out.println("READY serving");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }
}
