// Apache Iceberg's REST catalog servlet over a JDBC catalog (SQLite in the warehouse folder, one
// connection: an in-memory database would be one per pooled connection), listening on 127.0.0.1
// only (the published fixture's main listens on every interface). Run with the source launcher:
//   java -cp "$JARS/*" LoopbackRestCatalog.java PORT WAREHOUSE_DIR
// It prints "listening on PORT" once it accepts requests.
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

public class LoopbackRestCatalog {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Map<String, String> props = new HashMap<>();
    props.put(CatalogProperties.CATALOG_IMPL, "org.apache.iceberg.jdbc.JdbcCatalog");
    new java.io.File(args[1]).mkdirs();
    props.put(CatalogProperties.URI, "jdbc:sqlite:" + args[1] + "/catalog.db");
    props.put(CatalogProperties.CLIENT_POOL_SIZE, "1");
    props.put("jdbc.schema-version", "V1");
    props.put(CatalogProperties.WAREHOUSE_LOCATION, args[1]);
    Catalog catalog = CatalogUtil.buildIcebergCatalog("lakehouse_test", props, new Configuration());
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(new RESTCatalogServlet(new RESTCatalogAdapter(catalog))), "/*");
    server.setHandler(context);
    server.start();
    System.out.println("listening on " + port);
    System.out.flush();
    server.join();
  }
}
