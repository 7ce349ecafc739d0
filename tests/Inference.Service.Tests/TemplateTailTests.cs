extern alias inference;

using inference::FineTuneMesh.Inference.Service.Models;

namespace FineTuneMesh.Inference.Service.Tests;

public sealed class TemplateTailTests
{
    [Fact]
    public void AnAdaptersTemplate_GivesTheTextAfterTheAnswer_ForDrafts()
    {
        Assert.Equal(["\n\nI hope this is helpful!\n\n### DONE!"],
            TemplateTail.ExpectedTexts("### You asked:\n{question}\n\n### The answer is:\n{answer}\n\nI hope this is helpful!\n\n### DONE!"));
        Assert.Empty(TemplateTail.ExpectedTexts("{question} {answer}"));
        Assert.Empty(TemplateTail.ExpectedTexts("a { broken template"));
        Assert.Empty(TemplateTail.ExpectedTexts(null));
    }
}
