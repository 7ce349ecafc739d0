using System.Text;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>The dataset file: one template record per line, fields in template order, UTF-8 - the shape Core's DatasetReader reads.</summary>
public static class DatasetJsonl
{
    public static byte[] Write(PromptTemplate template, IEnumerable<IReadOnlyDictionary<string, string>> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            text.Append(BatchPrompt.Json(template, record)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
