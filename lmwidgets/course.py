"""The course's lessons, in order: one per section of the source document."""

from dataclasses import dataclass
from pathlib import Path

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    title_zh: str

    @property
    def filename(self):
        return f"{self.number:02d}_{self.slug}.ipynb"


LESSONS = (
    Lesson(0, "welcome", "Welcome: how this course works", "课程导览"),
    Lesson(1, "background", "Background: how models became large", "背景介绍"),
    Lesson(2, "core_concepts", "Core concepts: scale, performance, challenges", "核心概念与联系"),
    Lesson(3, "algorithm_steps", "The algorithm, step by step", "核心算法原理具体操作步骤"),
    Lesson(
        4,
        "math",
        "The mathematics: activations, losses, optimizers",
        "数学模型和公式详细讲解举例说明",
    ),
    Lesson(5, "project_mnist", "Project: MNIST, bugs and all", "项目实践：代码实例和详细解释说明"),
    Lesson(6, "applications", "Applications", "实际应用场景"),
    Lesson(7, "tools", "Tools and resources", "工具和资源推荐"),
    Lesson(8, "summary", "Trends and challenges", "总结：未来发展趋势与挑战"),
    Lesson(9, "faq", "Frequently asked questions", "附录：常见问题与解答"),
)
