namespace FineTuneMesh.Storage;

/// <summary>Checks on names read back from storage before they become local paths.</summary>
public static class StoredNames
{
    /// <summary>A file name listed in a stored manifest must be a plain name: no folders, no '..'.</summary>
    public static void RequirePlainFileName(string name, string where)
    {
        if (string.IsNullOrEmpty(name) || name is "." or ".." || Path.GetFileName(name) != name || name.Contains('\\'))
        {
            throw new InvalidDataException($"{where} lists the file '{name}', which is not a plain file name; refusing to write it.");
        }
    }
}
