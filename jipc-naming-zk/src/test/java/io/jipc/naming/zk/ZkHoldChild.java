package io.jipc.naming.zk;

import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.testkit.ChildMain;

import java.io.IOException;
import java.net.URI;

/** A child process that registers {@code args[1]} in the name service {@code args[0]} and holds it until stdin ends. */
public final class ZkHoldChild {
    private ZkHoldChild() {
    }

    public static void main(String[] args) throws IOException {
        ChildMain.dieWithParent();
        try (NameService names = NameService.open(URI.create(args[0]))) {
            names.register(args[1], NameRecord.of("test", "child", "pid-" + ProcessHandle.current().pid()));
            System.out.println("HOLDING " + ProcessHandle.current().pid());
            System.out.flush();
            System.in.read();
        }
    }
}
