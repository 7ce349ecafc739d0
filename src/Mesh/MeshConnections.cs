namespace FineTuneMesh.Mesh;

/// <summary>The connection string names the AppHost gives the S3 server and the broker, and every service reads.</summary>
public static class MeshConnections
{
    public const string Storage = "storage";
    public const string Messaging = "messaging";
}
