namespace FineTuneMesh.Mesh.Tests;

/// <summary>The repository's root folder (the one holding FineTuneMesh.sln), found from the test binaries.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "FineTuneMesh.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no FineTuneMesh.sln above {AppContext.BaseDirectory}");
    }
}
