"""The 42 talent concepts of the evaluation set: the platform tag a volunteer may pick for each (tags are the
platform's taxonomy, the same in both pools), and its look-alike partner (a concept whose phrasings share surface
words with it: 집 청소 / 에어컨 청소, 컴퓨터 교육 / 컴퓨터 수리, ...)."""

CONCEPTS: dict[str, tuple[str, str | None]] = {
    # concept: (platform tag, look-alike partner)
    "side_dishes": ("반찬나눔", "food_bank"), "food_bank": ("푸드뱅크", "side_dishes"),
    "house_cleaning": ("집청소", "aircon_cleaning"), "aircon_cleaning": ("가전세척", "house_cleaning"),
    "digital_literacy": ("디지털교육", "pc_repair"), "pc_repair": ("컴퓨터수리", "digital_literacy"),
    "english_tutoring": ("영어교육", "interpretation"), "interpretation": ("통번역", "english_tutoring"),
    "homework_help": ("학습지도", "childcare"), "childcare": ("아이돌봄", "homework_help"),
    "elderly_walk": ("산책동행", "dog_walking"), "dog_walking": ("반려견", "elderly_walk"),
    "art_class": ("미술교육", "mural"), "mural": ("벽화", "art_class"),
    "counseling": ("심리상담", "legal"), "legal": ("법률상담", "counseling"),
    "delivery": ("배달", "moving_help"), "moving_help": ("이사", "delivery"),
    "hospital_escort": ("병원동행", "health_check"), "health_check": ("건강관리", "hospital_escort"),
    "electrical": ("전기수리", "plumbing"), "plumbing": ("수도설비", "electrical"),
    "math_tutoring": ("수학교육", "bookkeeping"), "bookkeeping": ("회계", "math_tutoring"),
    "coding": ("코딩", "design"), "design": ("디자인", "coding"),
    "photography": ("사진", "online_selling"), "online_selling": ("온라인판매", "photography"),
    "korean_for_migrants": ("한국어교육", "reading_aloud"), "reading_aloud": ("책읽기", "korean_for_migrants"),
    "elderly_companion": ("말벗", None), "haircut": ("이미용", None), "wallpaper": ("도배장판", None),
    "farming": ("농촌일손", None), "piano": ("음악", None), "sewing": ("수선", None), "exercise": ("운동", None),
    "gardening": ("원예", None), "litter": ("환경정화", None), "wheelchair": ("장애인지원", None),
    "laundry": ("빨래", None), "snow": ("제설", None),
}
