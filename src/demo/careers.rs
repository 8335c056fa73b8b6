//! R1.2 Careers: the title series of each sector with its titles from 初级 to 正高, the fields
//! of work with where their people train (R4.1: bases, title-series bodies, competent
//! departments, universities), the public-subject themes (R2.2) and the professional forms people
//! choose with the hours (tenths) each typically gives.

use super::rng::Rng;
use super::units::Sector;
use crate::domain::Form;

/// R1.2 Title series, each with its titles from 初级 to 正高.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Series {
    Doctor,
    Nurse,
    Pharmacist,
    Technician,
    Engineer,
    MiddleTeacher,
    PrimaryTeacher,
    Lecturer,
    Agronomist,
    Researcher,
    Economist,
    Accountant,
    Journalist,
}

impl Series {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Series::Doctor | Series::Nurse | Series::Pharmacist | Series::Technician => "卫生",
            Series::Engineer => "工程",
            Series::MiddleTeacher | Series::PrimaryTeacher => "中小学教师",
            Series::Lecturer => "高校教师",
            Series::Agronomist => "农业",
            Series::Researcher => "自然科学研究",
            Series::Economist => "经济",
            Series::Accountant => "会计",
            Series::Journalist => "新闻",
        }
    }

    pub(crate) fn titles(self) -> [&'static str; 4] {
        match self {
            Series::Doctor => ["医师", "主治医师", "副主任医师", "主任医师"],
            Series::Nurse => ["护师", "主管护师", "副主任护师", "主任护师"],
            Series::Pharmacist => ["药师", "主管药师", "副主任药师", "主任药师"],
            Series::Technician => ["技师", "主管技师", "副主任技师", "主任技师"],
            Series::Engineer => ["助理工程师", "工程师", "高级工程师", "正高级工程师"],
            Series::MiddleTeacher => ["中学二级教师", "中学一级教师", "中学高级教师", "正高级教师"],
            Series::PrimaryTeacher => {
                ["小学二级教师", "小学一级教师", "小学高级教师", "正高级教师"]
            }
            Series::Lecturer => ["助教", "讲师", "副教授", "教授"],
            Series::Agronomist => ["助理农艺师", "农艺师", "高级农艺师", "农业技术推广研究员"],
            Series::Researcher => ["研究实习员", "助理研究员", "副研究员", "研究员"],
            Series::Economist => ["助理经济师", "经济师", "高级经济师", "正高级经济师"],
            Series::Accountant => ["助理会计师", "会计师", "高级会计师", "正高级会计师"],
            Series::Journalist => ["助理记者", "记者", "主任记者", "高级记者"],
        }
    }

    /// Index into [`FIELDS`]: where people of this series train.
    pub(crate) fn field(self) -> usize {
        match self {
            Series::Doctor | Series::Nurse | Series::Pharmacist | Series::Technician => 0,
            Series::Engineer => 1,
            Series::MiddleTeacher | Series::PrimaryTeacher => 2,
            Series::Lecturer => 3,
            Series::Agronomist => 4,
            Series::Researcher => 5,
            Series::Economist | Series::Accountant => 6,
            Series::Journalist => 7,
        }
    }

    pub(crate) fn of(sector: Sector, rng: &mut Rng) -> Series {
        match sector {
            Sector::Hospital => [
                Series::Doctor,
                Series::Nurse,
                Series::Pharmacist,
                Series::Technician,
            ][rng.weighted(&[55, 30, 7, 8])],
            Sector::MiddleSchool => Series::MiddleTeacher,
            Sector::PrimarySchool => Series::PrimaryTeacher,
            Sector::College => Series::Lecturer,
            Sector::Design => Series::Engineer,
            Sector::Agri => Series::Agronomist,
            Sector::Research => Series::Researcher,
            Sector::Finance => [Series::Accountant, Series::Economist][rng.weighted(&[65, 35])],
            Sector::Media => Series::Journalist,
        }
    }
}

/// Where the people of a field of work take their professional subjects (R4.1: bases,
/// title-series bodies, competent departments, universities).
pub(crate) struct Field {
    pub topics: &'static [&'static str],
    /// Academic society: conferences.
    pub society: &'static str,
    /// Training classes.
    pub trainer: &'static str,
    /// Workshops, and the field's filed programme.
    pub workshop: &'static str,
    /// Advanced-study hosts.
    pub advanced: &'static [&'static str],
    /// Academic-visit hosts.
    pub visit: &'static [&'static str],
    /// Distance education.
    pub online: &'static str,
    /// What practice activities are called.
    pub practice: &'static str,
}

pub(crate) const FIELDS: [Field; 8] = [
    Field {
        topics: &[
            "心血管疾病诊疗新进展",
            "呼吸系统疾病规范化诊治",
            "消化内镜诊疗技术",
            "急危重症救治",
            "合理用药与处方点评",
            "医院感染预防与控制",
            "临床护理质量管理",
            "医学影像诊断新技术",
            "临床检验质量控制",
            "全科医学与慢病管理",
        ],
        society: "湖南省医学会",
        trainer: "湖南省医院协会",
        workshop: "中南大学湘雅医院",
        advanced: &[
            "中南大学湘雅医院",
            "中南大学湘雅二医院",
            "中南大学湘雅三医院",
            "湖南省人民医院",
        ],
        visit: &[
            "上海交通大学医学院附属瑞金医院",
            "北京协和医院",
            "四川大学华西医院",
        ],
        online: "华医网",
        practice: "对口支援基层医疗卫生机构",
    },
    Field {
        topics: &[
            "BIM技术应用",
            "装配式建筑设计与施工",
            "绿色建筑评价",
            "公路桥梁检测与加固",
            "岩土工程勘察",
            "城市轨道交通工程",
            "智能电网运行与维护",
            "工程造价管理",
            "建设工程安全生产管理",
            "海绵城市建设技术",
        ],
        society: "湖南省土木建筑学会",
        trainer: "湖南省建设人力资源协会",
        workshop: "湖南大学",
        advanced: &["湖南大学", "长沙理工大学", "中南大学"],
        visit: &["同济大学", "东南大学", "清华大学"],
        online: "湖南人才市场有限公司",
        practice: "工程项目现场技术实践",
    },
    Field {
        topics: &[
            "新课程标准解读",
            "信息技术与学科教学融合",
            "班主任工作能力提升",
            "中小学生心理健康教育",
            "课堂教学设计与评价",
            "学科核心素养培育",
            "教育科研方法",
            "校园安全管理",
        ],
        society: "湖南省教育学会",
        trainer: "湖南省中小学教师发展中心",
        workshop: "湖南师范大学",
        advanced: &["湖南师范大学", "湖南第一师范学院", "长沙师范学院"],
        visit: &["华东师范大学", "北京师范大学"],
        online: "湖南省中小学教师发展中心",
        practice: "送教下乡",
    },
    Field {
        topics: &[
            "课程思政建设",
            "高校教师教学能力提升",
            "一流课程建设",
            "科研项目申报与管理",
            "在线开放课程建设",
            "研究生培养质量保障",
            "学科交叉与协同创新",
        ],
        society: "湖南省高等教育学会",
        trainer: "湖南省高校师资培训中心",
        workshop: "湖南大学",
        advanced: &["清华大学", "北京大学", "浙江大学", "武汉大学"],
        visit: &["香港大学", "新加坡国立大学"],
        online: "全国高校教师网络培训中心",
        practice: "产学研合作实践",
    },
    Field {
        topics: &[
            "水稻绿色高产栽培",
            "柑橘病虫害绿色防控",
            "生猪健康养殖",
            "农产品质量安全",
            "设施蔬菜栽培",
            "油茶丰产栽培",
            "耕地质量提升",
            "农业机械化技术",
        ],
        society: "湖南省农学会",
        trainer: "湖南省农业科学院",
        workshop: "湖南农业大学",
        advanced: &["湖南农业大学", "华中农业大学"],
        visit: &["中国农业科学院", "中国农业大学"],
        online: "全国农业科教云平台",
        practice: "农业技术推广示范基地实践",
    },
    Field {
        topics: &[
            "科研项目管理",
            "科技成果转化",
            "知识产权保护与运用",
            "实验室安全管理",
            "科研诚信与学术规范",
            "大型科研仪器共享",
        ],
        society: "湖南省科学技术协会",
        trainer: "湖南省科学技术信息研究所",
        workshop: "中南大学",
        advanced: &["中国科学院", "中南大学"],
        visit: &["中国科学院", "中国工程物理研究院"],
        online: "湖南人才市场有限公司",
        practice: "科研协作实践",
    },
    Field {
        topics: &[
            "政府会计制度",
            "营改增政策解读",
            "管理会计应用",
            "内部控制规范",
            "企业所得税汇算清缴",
            "财务共享服务",
            "预算绩效管理",
        ],
        society: "湖南省会计学会",
        trainer: "湖南省注册会计师协会",
        workshop: "湖南大学",
        advanced: &["厦门国家会计学院", "上海国家会计学院"],
        visit: &["上海国家会计学院"],
        online: "湖南人才市场有限公司",
        practice: "财务管理实务实践",
    },
    Field {
        topics: &[
            "媒体融合发展",
            "新闻采编规范",
            "舆论引导能力",
            "短视频与新媒体制作",
            "新闻职业道德",
        ],
        society: "湖南省新闻工作者协会",
        trainer: "湖南省新闻出版广电局培训中心",
        workshop: "湖南师范大学",
        advanced: &["中国传媒大学"],
        visit: &["中国传媒大学", "人民日报社"],
        online: "湖南人才市场有限公司",
        practice: "基层蹲点采访实践",
    },
];

/// Public-subject themes for years whose policy row names none (R2.2).
pub(crate) const PUBLIC_THEMES: &[&str] = &[
    "专业技术人员职业道德与诚信建设",
    "专业技术人员心理健康与压力管理",
    "专业技术人员创新能力培养",
    "知识产权保护与运用",
    "大数据与网络信息安全",
    "生态文明建设与绿色发展",
    "全面依法治国与法治素养",
    "专业技术人员科学素养提升",
    "数字经济与人工智能",
];

/// The professional forms and how often people choose them.
pub(crate) const PROFESSIONAL_FORMS: [(Form, u32); 8] = [
    (Form::TrainingClass, 16),
    (Form::Workshop, 12),
    (Form::AdvancedStudy, 6),
    (Form::Practice, 12),
    (Form::Distance, 20),
    (Form::Conference, 14),
    (Form::Lecture, 10),
    (Form::Visit, 5),
];

/// Hours (in tenths) that a form typically gives.
pub(crate) fn typical_tenths(form: Form) -> &'static [i64] {
    match form {
        Form::TrainingClass => &[160, 240, 320, 400],
        Form::Workshop => &[240, 320, 400],
        Form::AdvancedStudy => &[400, 600, 800],
        Form::Practice => &[240, 320, 400],
        Form::Distance => &[125, 200, 245, 300, 400],
        Form::Conference => &[120, 160, 240],
        Form::Lecture => &[20, 25, 30, 35],
        Form::Visit => &[240, 320],
    }
}
