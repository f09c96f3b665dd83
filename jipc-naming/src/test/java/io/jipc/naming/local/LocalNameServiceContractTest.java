package io.jipc.naming.local;

import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceContractTest;
import io.jipc.naming.NamingConfiguration;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** The name service contract on the local backend ({@code local:}, files under a private jipc root). */
@ExtendWith(JipcTestExtension.class)
class LocalNameServiceContractTest extends NameServiceContractTest {
    @Override
    protected NameService openService() {
        return NameService.open(NamingConfiguration.LOCAL);
    }
}
