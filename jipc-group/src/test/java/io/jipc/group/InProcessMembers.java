package io.jipc.group;

import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The fixture of the group tests whose members are handles in this JVM: the members a test joins
 * (add them to {@link #members}) and the threads that run their collective operations; after each
 * test the threads are stopped and every member leaves.
 */
abstract class InProcessMembers {
    protected final List<ProcessGroup> members = new ArrayList<>();
    protected final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void leave() {
        threads.shutdownNow();
        members.forEach(ProcessGroup::close);
    }
}
